-- Consultas of the quality component (QUALIDADE_APS.md section 2.3): individual attendances
-- (FAI) by a médico or enfermeiro in which the citizen took part (presencial, remote, or not
-- informed), with whether it was presencial and the condition lists its problems belong to
-- (int_condicoes_avaliadas: puericultura, gestacao_c3, puerperio, ...). One row per FAI.
with

atendimentos as (

    select * from {{ ref('int_atendimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and tipo_atendimento = 'individual'
        and is_medico_enfermeiro
        and is_participou
        and dt_atendimento is not null

),

condicoes as (

    select * from {{ ref('int_condicoes_avaliadas') }}
    where {{ escopo_municipio() }}

),

condicoes_por_atendimento as (

    select
        co_municipio_ibge,
        co_fat_atd_ind,
        array_agg(distinct condicao order by condicao) as condicoes
    from condicoes
    group by co_municipio_ibge, co_fat_atd_ind

),

final as (

    select
        atendimentos.co_municipio_ibge,
        atendimentos.co_seq_origem as co_seq_fat_atd_ind,
        atendimentos.co_pessoa,
        atendimentos.dt_atendimento,
        atendimentos.nu_cbo,
        atendimentos.is_presencial,
        coalesce(condicoes_por_atendimento.condicoes, array[]::text[]) as condicoes
    from atendimentos
    left join condicoes_por_atendimento
        on
            atendimentos.co_municipio_ibge = condicoes_por_atendimento.co_municipio_ibge
            and atendimentos.co_seq_origem = condicoes_por_atendimento.co_fat_atd_ind

)

select * from final
