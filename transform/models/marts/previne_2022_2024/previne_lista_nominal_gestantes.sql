-- Lista nominal of gestations (Previne Brasil indicators 1-3): every gestation of a living
-- woman (int_gestacoes_identificadas) that started by R and had not ended before the start of
-- R's quadrimester. Between the DUM and the end of the gestation (delivery/abortion recorded,
-- else DUM + 294 days) it counts:
-- 1. pre-natal consultas (encounters where a médico/enfermeiro assessed the pregnancy) and
--    whether the first was within 12 weeks (84 days) of the DUM;
-- 2. HIV and syphilis tests, performed (rapid tests) or evaluated in an encounter;
-- 3. a dental encounter by a cirurgião-dentista (CBO 2232).
-- Denominator of the quadrimester: gestations that end within it, abortions excluded.
-- Numerators: 1. >= 6 consultas and the 1st by week 12; 2. both tests; 3. dental care.
with

parametros as (

    {{ parametros_referencia() }}

),

gestacoes as (

    select * from {{ ref('int_gestacoes_identificadas_previne') }}
    where {{ escopo_municipio() }}

),

pessoas as (

    select * from {{ ref('int_pessoas_consolidadas') }}
    where {{ escopo_municipio() }} and not is_falecido

),

condicoes as (

    select * from {{ ref('int_condicoes_avaliadas') }}
    where
        {{ escopo_municipio() }}
        and condicao = 'gestacao'
        and is_medico_enfermeiro
        and dt_atendimento <= {{ data_referencia() }}

),

procedimentos as (

    select * from {{ ref('int_procedimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and procedimento in ('teste_hiv', 'teste_sifilis')
        and modo in ('realizado', 'avaliado')
        and dt_procedimento <= {{ data_referencia() }}

),

atendimentos_odonto as (

    select * from {{ ref('int_atendimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and tipo_atendimento = 'odontologico'
        and categoria_profissional = 'cirurgiao_dentista'
        and dt_atendimento <= {{ data_referencia() }}

),

gestacoes_da_lista as (

    select
        gestacoes.*,
        coalesce(gestacoes.dt_dum, gestacoes.dt_primeiro_atendimento) as dt_inicio_contagem
    from gestacoes
    cross join parametros
    where
        gestacoes.dt_primeiro_atendimento <= parametros.dt_referencia
        and gestacoes.dt_fim_gestacao >= parametros.dt_inicio_quadrimestre

),

consultas as (

    select
        gestacoes_da_lista.co_municipio_ibge,
        gestacoes_da_lista.co_pessoa,
        gestacoes_da_lista.nu_gestacao,
        count(distinct condicoes.co_fat_atd_ind) as nu_consultas_prenatal,
        min(condicoes.dt_atendimento) as dt_primeira_consulta,
        max(condicoes.dt_atendimento) as dt_ultima_consulta
    from gestacoes_da_lista
    inner join condicoes
        on
            gestacoes_da_lista.co_municipio_ibge = condicoes.co_municipio_ibge
            and gestacoes_da_lista.co_pessoa = condicoes.co_pessoa
            and condicoes.dt_atendimento
            between gestacoes_da_lista.dt_inicio_contagem and gestacoes_da_lista.dt_fim_gestacao
    group by
        gestacoes_da_lista.co_municipio_ibge,
        gestacoes_da_lista.co_pessoa,
        gestacoes_da_lista.nu_gestacao

),

exames as (

    select
        gestacoes_da_lista.co_municipio_ibge,
        gestacoes_da_lista.co_pessoa,
        gestacoes_da_lista.nu_gestacao,
        max(procedimentos.dt_procedimento) filter (
            where procedimentos.procedimento = 'teste_hiv'
        ) as dt_ultimo_teste_hiv,
        max(procedimentos.dt_procedimento) filter (
            where procedimentos.procedimento = 'teste_sifilis'
        ) as dt_ultimo_teste_sifilis
    from gestacoes_da_lista
    inner join procedimentos
        on
            gestacoes_da_lista.co_municipio_ibge = procedimentos.co_municipio_ibge
            and gestacoes_da_lista.co_pessoa = procedimentos.co_pessoa
            and procedimentos.dt_procedimento
            between gestacoes_da_lista.dt_inicio_contagem and gestacoes_da_lista.dt_fim_gestacao
    group by
        gestacoes_da_lista.co_municipio_ibge,
        gestacoes_da_lista.co_pessoa,
        gestacoes_da_lista.nu_gestacao

),

odonto as (

    select
        gestacoes_da_lista.co_municipio_ibge,
        gestacoes_da_lista.co_pessoa,
        gestacoes_da_lista.nu_gestacao,
        max(atendimentos_odonto.dt_atendimento) as dt_ultimo_atendimento_odonto
    from gestacoes_da_lista
    inner join atendimentos_odonto
        on
            gestacoes_da_lista.co_municipio_ibge = atendimentos_odonto.co_municipio_ibge
            and gestacoes_da_lista.co_pessoa = atendimentos_odonto.co_pessoa
            and atendimentos_odonto.dt_atendimento
            between gestacoes_da_lista.dt_inicio_contagem and gestacoes_da_lista.dt_fim_gestacao
    group by
        gestacoes_da_lista.co_municipio_ibge,
        gestacoes_da_lista.co_pessoa,
        gestacoes_da_lista.nu_gestacao

),

lista as (

    select
        pessoas.co_municipio_ibge,
        pessoas.co_pessoa,
        gestacoes_da_lista.nu_gestacao,
        {{ colunas_pessoa_previne() }},
        gestacoes_da_lista.dt_dum,
        gestacoes_da_lista.is_dum_estimada,
        gestacoes_da_lista.dt_provavel_parto,
        gestacoes_da_lista.desfecho,
        gestacoes_da_lista.dt_desfecho,
        gestacoes_da_lista.dt_fim_gestacao,
        coalesce(consultas.nu_consultas_prenatal, 0) as nu_consultas_prenatal,
        consultas.dt_primeira_consulta,
        consultas.dt_ultima_consulta,
        (consultas.dt_primeira_consulta - gestacoes_da_lista.dt_dum) / 7
            as nu_semanas_primeira_consulta,
        exames.dt_ultimo_teste_hiv,
        exames.dt_ultimo_teste_sifilis,
        odonto.dt_ultimo_atendimento_odonto,
        parametros.dt_referencia,
        parametros.ds_quadrimestre,
        parametros.dt_inicio_quadrimestre,
        parametros.dt_fim_quadrimestre,
        coalesce(
            consultas.dt_primeira_consulta - gestacoes_da_lista.dt_dum <= 84, false
        ) as is_primeira_consulta_ate_12_semanas,
        coalesce(
            gestacoes_da_lista.dt_fim_gestacao
            between parametros.dt_inicio_quadrimestre and parametros.dt_fim_quadrimestre
            and gestacoes_da_lista.desfecho is distinct from 'aborto',
            false
        ) as is_denominador
    from gestacoes_da_lista
    cross join parametros
    inner join pessoas
        on
            gestacoes_da_lista.co_municipio_ibge = pessoas.co_municipio_ibge
            and gestacoes_da_lista.co_pessoa = pessoas.co_pessoa
    left join consultas
        on
            gestacoes_da_lista.co_municipio_ibge = consultas.co_municipio_ibge
            and gestacoes_da_lista.co_pessoa = consultas.co_pessoa
            and gestacoes_da_lista.nu_gestacao = consultas.nu_gestacao
    left join exames
        on
            gestacoes_da_lista.co_municipio_ibge = exames.co_municipio_ibge
            and gestacoes_da_lista.co_pessoa = exames.co_pessoa
            and gestacoes_da_lista.nu_gestacao = exames.nu_gestacao
    left join odonto
        on
            gestacoes_da_lista.co_municipio_ibge = odonto.co_municipio_ibge
            and gestacoes_da_lista.co_pessoa = odonto.co_pessoa
            and gestacoes_da_lista.nu_gestacao = odonto.nu_gestacao

),

final as (

    select
        *,
        nu_consultas_prenatal >= 6 and is_primeira_consulta_ate_12_semanas
            as is_numerador_consultas,
        dt_ultimo_teste_hiv is not null and dt_ultimo_teste_sifilis is not null
            as is_numerador_exames,
        dt_ultimo_atendimento_odonto is not null as is_numerador_odonto
    from lista

)

select * from final
